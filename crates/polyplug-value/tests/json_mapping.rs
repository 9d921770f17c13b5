//! The JSON mapping: property tests (any type, any value survives JSON and
//! back) and one test per rule of the mapping, errors included.

use polyplug_value::{Case, Field, Value, ValueType};
use proptest::prelude::*;
use serde_json::json;

fn name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4})?"
}

/// Distinct names, so records, variants, enums and flags are well formed.
fn names(max: usize) -> impl Strategy<Value = Vec<String>> {
    prop::collection::btree_set(name(), 1..max).prop_map(|set| set.into_iter().collect())
}

fn arb_type() -> impl Strategy<Value = ValueType> {
    let leaf = prop_oneof![
        Just(ValueType::Bool),
        Just(ValueType::U8),
        Just(ValueType::U16),
        Just(ValueType::U32),
        Just(ValueType::U64),
        Just(ValueType::S8),
        Just(ValueType::S16),
        Just(ValueType::S32),
        Just(ValueType::S64),
        Just(ValueType::F32),
        Just(ValueType::F64),
        Just(ValueType::Char),
        Just(ValueType::String),
        names(5).prop_map(|cases| ValueType::Enum { name: Some("e".into()), cases }),
        names(5).prop_map(|names| ValueType::Flags { name: Some("f".into()), names }),
        any::<bool>().prop_map(|borrowed| ValueType::Resource { name: "res".into(), borrowed }),
    ];
    leaf.prop_recursive(4, 48, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|t| ValueType::List(Box::new(t))),
            inner.clone().prop_map(|t| ValueType::Option(Box::new(t))),
            prop::collection::vec(inner.clone(), 1..4).prop_map(ValueType::Tuple),
            (prop::option::of(inner.clone()), prop::option::of(inner.clone()))
                .prop_map(|(ok, err)| ValueType::Result { ok: ok.map(Box::new), err: err.map(Box::new) }),
            (names(4), prop::collection::vec(inner.clone(), 4)).prop_map(|(names, types)| ValueType::Record {
                name: Some("r".into()),
                fields: names.into_iter().zip(types).map(|(name, ty)| Field { name, ty }).collect(),
            }),
            (names(4), prop::collection::vec(prop::option::of(inner), 4)).prop_map(|(names, types)| {
                ValueType::Variant {
                    name: Some("v".into()),
                    cases: names.into_iter().zip(types).map(|(name, ty)| Case { name, ty }).collect(),
                }
            }),
        ]
    })
}

fn arb_value(ty: &ValueType) -> BoxedStrategy<Value> {
    match ty {
        ValueType::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        ValueType::U8 => any::<u8>().prop_map(Value::U8).boxed(),
        ValueType::U16 => any::<u16>().prop_map(Value::U16).boxed(),
        ValueType::U32 => any::<u32>().prop_map(Value::U32).boxed(),
        ValueType::U64 => any::<u64>().prop_map(Value::U64).boxed(),
        ValueType::S8 => any::<i8>().prop_map(Value::S8).boxed(),
        ValueType::S16 => any::<i16>().prop_map(Value::S16).boxed(),
        ValueType::S32 => any::<i32>().prop_map(Value::S32).boxed(),
        ValueType::S64 => any::<i64>().prop_map(Value::S64).boxed(),
        ValueType::F32 => any::<f32>().prop_map(Value::F32).boxed(),
        ValueType::F64 => any::<f64>().prop_map(Value::F64).boxed(),
        ValueType::Char => any::<char>().prop_map(Value::Char).boxed(),
        ValueType::String => any::<String>().prop_map(Value::String).boxed(),
        ValueType::List(inner) => prop::collection::vec(arb_value(inner), 0..4).prop_map(Value::List).boxed(),
        ValueType::Tuple(types) => types
            .iter()
            .map(arb_value)
            .collect::<Vec<_>>()
            .prop_map(Value::Tuple)
            .boxed(),
        ValueType::Record { fields, .. } => {
            let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
            fields
                .iter()
                .map(|f| arb_value(&f.ty))
                .collect::<Vec<_>>()
                .prop_map(move |values| Value::Record(names.iter().cloned().zip(values).collect()))
                .boxed()
        }
        ValueType::Variant { cases, .. } => {
            let options: Vec<_> = cases
                .iter()
                .map(|case| {
                    let tag = case.name.clone();
                    match &case.ty {
                        Some(ty) => arb_value(ty)
                            .prop_map(move |v| Value::Variant(tag.clone(), Some(Box::new(v))))
                            .boxed(),
                        None => Just(Value::Variant(tag, None)).boxed(),
                    }
                })
                .collect();
            prop::strategy::Union::new(options).boxed()
        }
        ValueType::Enum { cases, .. } => prop::sample::select(cases.clone()).prop_map(Value::Enum).boxed(),
        ValueType::Flags { names, .. } => {
            let names = names.clone();
            prop::collection::vec(any::<bool>(), names.len())
                .prop_map(move |set| {
                    Value::Flags(names.iter().zip(set).filter(|(_, on)| *on).map(|(n, _)| n.clone()).collect())
                })
                .boxed()
        }
        ValueType::Option(inner) => prop::option::of(arb_value(inner).prop_map(Box::new)).prop_map(Value::Option).boxed(),
        ValueType::Result { ok, err } => {
            let side = |ty: &Option<Box<ValueType>>| match ty {
                Some(ty) => arb_value(ty).prop_map(|v| Some(Box::new(v))).boxed(),
                None => Just(None).boxed(),
            };
            prop_oneof![side(ok).prop_map(|v| Value::Result(Ok(v))), side(err).prop_map(|v| Value::Result(Err(v)))]
                .boxed()
        }
        ValueType::Resource { .. } => any::<u32>().prop_map(Value::Resource).boxed(),
    }
}

/// Equality where NaN equals NaN: JSON carries "NaN", not its payload bits.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::F32(x), Value::F32(y)) => (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits(),
        (Value::F64(x), Value::F64(y)) => (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits(),
        (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Record(x), Value::Record(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|((na, a), (nb, b))| na == nb && same(a, b))
        }
        (Value::Variant(ta, a), Value::Variant(tb, b)) => ta == tb && same_payload(a, b),
        (Value::Option(a), Value::Option(b)) => same_payload(a, b),
        (Value::Result(Ok(a)), Value::Result(Ok(b))) | (Value::Result(Err(a)), Value::Result(Err(b))) => {
            same_payload(a, b)
        }
        _ => a == b,
    }
}

fn same_payload(a: &Option<Box<Value>>, b: &Option<Box<Value>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same(a, b),
        (None, None) => true,
        _ => false,
    }
}

fn type_and_value() -> impl Strategy<Value = (ValueType, Value)> {
    arb_type().prop_flat_map(|ty| {
        let values = arb_value(&ty);
        (Just(ty), values)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_value_survives_json_and_back((ty, value) in type_and_value()) {
        let json = ty.to_json(&value).expect("a value of the type converts");
        // Through text too: what a remote peer or a file would carry.
        let text = serde_json::to_string(&json).unwrap();
        let reparsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        let back = ty.from_json(&reparsed).map_err(|e| TestCaseError::fail(format!("{e} in {text}")))?;
        prop_assert!(same(&value, &back), "{value:?} became {text} and then {back:?}");
    }

    #[test]
    fn the_size_counted_while_writing_is_the_length_of_the_json_text((ty, value) in type_and_value()) {
        let mut size = 0;
        let json = ty.view_to_json::<polyplug_value::Values>(&value, &mut size).expect("a value of the type converts");
        let text = serde_json::to_string(&json).unwrap();
        prop_assert_eq!(size, text.len() as u64, "counted {} for {}", size, text);
    }

    #[test]
    fn wrong_json_is_an_error_not_a_panic(ty in arb_type(), json in arb_json()) {
        // Whatever happens, no panic; and when it fails, the message names a path.
        if let Err(e) = ty.from_json(&json) {
            prop_assert!(e.to_string().starts_with("at $"), "{e}");
        }
    }
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        "[a-z0-9=+/ -]{0,8}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(prop_oneof![Just("tag".to_string()), Just("val".to_string()), name()], inner, 0..3)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn point() -> ValueType {
    ValueType::Record {
        name: Some("point".into()),
        fields: vec![
            Field { name: "x".into(), ty: ValueType::S32 },
            Field { name: "label".into(), ty: ValueType::String },
            Field { name: "nickname".into(), ty: ValueType::Option(Box::new(ValueType::String)) },
        ],
    }
}

#[test]
fn records_are_objects_with_wit_names_and_missing_options_are_none() {
    let value = point().from_json(&json!({"x": -3, "label": "a"})).unwrap();
    assert_eq!(
        value,
        Value::Record(vec![
            ("x".into(), Value::S32(-3)),
            ("label".into(), Value::String("a".into())),
            ("nickname".into(), Value::Option(None)),
        ])
    );
    assert_eq!(point().to_json(&value).unwrap(), json!({"x": -3, "label": "a", "nickname": null}));
}

#[test]
fn errors_name_the_path_and_the_expected_type() {
    let points = ValueType::List(Box::new(point()));
    let err = points
        .from_json(&json!([{"x": 1, "label": "ok"}, {"x": "far", "label": "bad"}]))
        .unwrap_err();
    assert_eq!(err.path(), "$[1].x");
    assert_eq!(
        err.to_string(),
        "at $[1].x: expected s32 (a whole number from -2147483648 to 2147483647), found string \"far\""
    );

    let err = point().from_json(&json!({"x": 1, "lable": "typo"})).unwrap_err();
    assert!(err.to_string().contains("an unknown field `lable`"), "{err}");
    assert!(err.to_string().contains("[x, label, nickname]"), "{err}");

    let err = point().from_json(&json!({"x": 1})).unwrap_err();
    assert_eq!(err.to_string(), "at $: expected field `label` of type string, found no such key");

    let err = ValueType::U8.from_json(&json!(256)).unwrap_err().within("count");
    assert_eq!(err.path(), "$.count");
}

#[test]
fn big_integers_are_strings_beyond_2_pow_53() {
    let exact = 1u64 << 53;
    assert_eq!(ValueType::U64.to_json(&Value::U64(exact)).unwrap(), json!(exact));
    assert_eq!(ValueType::U64.to_json(&Value::U64(exact + 1)).unwrap(), json!((exact + 1).to_string()));
    assert_eq!(ValueType::S64.to_json(&Value::S64(i64::MIN)).unwrap(), json!("-9223372036854775808"));
    assert_eq!(ValueType::S64.from_json(&json!("-5")).unwrap(), Value::S64(-5));
    assert_eq!(
        ValueType::U64.from_json(&json!(1.5)).unwrap_err().to_string(),
        "at $: expected u64 (a whole number from 0 to 18446744073709551615, as a number or a string), found number 1.5"
    );
    assert_eq!(
        ValueType::U32.from_json(&json!(-1)).unwrap_err().to_string(),
        "at $: expected u32 (a whole number from 0 to 4294967295), found number -1"
    );
}

#[test]
fn special_floats_are_strings() {
    assert_eq!(ValueType::F64.to_json(&Value::F64(f64::INFINITY)).unwrap(), json!("Infinity"));
    assert_eq!(ValueType::F32.to_json(&Value::F32(f32::NEG_INFINITY)).unwrap(), json!("-Infinity"));
    assert_eq!(ValueType::F64.to_json(&Value::F64(f64::NAN)).unwrap(), json!("NaN"));
    assert_eq!(ValueType::F32.from_json(&json!(0.1)).unwrap(), Value::F32(0.1));
    assert_eq!(
        ValueType::F32.from_json(&json!(1e300)).unwrap_err().to_string(),
        "at $: expected f32 (a number within ±3.4e38), found number 1e+300"
    );
}

#[test]
fn bytes_are_base64_and_arrays_are_accepted() {
    let bytes = ValueType::List(Box::new(ValueType::U8));
    let value = Value::List(vec![Value::U8(0), Value::U8(255), Value::U8(7)]);
    assert_eq!(bytes.to_json(&value).unwrap(), json!("AP8H"));
    assert_eq!(bytes.from_json(&json!("AP8H")).unwrap(), value);
    assert_eq!(bytes.from_json(&json!([0, 255, 7])).unwrap(), value);
    let err = bytes.from_json(&json!("not base64!")).unwrap_err();
    assert!(err.to_string().contains("not base64"), "{err}");
}

#[test]
fn variants_results_enums_flags() {
    let shape = ValueType::Variant {
        name: Some("shape".into()),
        cases: vec![Case { name: "circle".into(), ty: Some(ValueType::F64) }, Case { name: "empty".into(), ty: None }],
    };
    let circle = Value::Variant("circle".into(), Some(Box::new(Value::F64(2.5))));
    assert_eq!(shape.to_json(&circle).unwrap(), json!({"tag": "circle", "val": 2.5}));
    assert_eq!(shape.to_json(&Value::Variant("empty".into(), None)).unwrap(), json!({"tag": "empty"}));
    assert_eq!(shape.from_json(&json!("empty")).unwrap(), Value::Variant("empty".into(), None));
    let err = shape.from_json(&json!({"tag": "circle"})).unwrap_err();
    assert!(err.to_string().contains("a `val` of type f64 for case `circle`"), "{err}");

    let result = ValueType::Result { ok: Some(Box::new(ValueType::U32)), err: None };
    assert_eq!(result.to_json(&Value::Result(Ok(Some(Box::new(Value::U32(4)))))).unwrap(), json!({"tag": "ok", "val": 4}));
    assert_eq!(result.from_json(&json!({"tag": "err"})).unwrap(), Value::Result(Err(None)));

    let color = ValueType::Enum { name: Some("color".into()), cases: vec!["red".into(), "green".into()] };
    assert_eq!(color.from_json(&json!("green")).unwrap(), Value::Enum("green".into()));
    assert!(color.from_json(&json!("purple")).unwrap_err().to_string().contains("[red, green]"));

    let perms = ValueType::Flags { name: None, names: vec!["read".into(), "write".into(), "exec".into()] };
    let set = perms.from_json(&json!(["exec", "read"])).unwrap();
    assert_eq!(set, Value::Flags(vec!["read".into(), "exec".into()]));
    assert_eq!(perms.to_json(&set).unwrap(), json!(["read", "exec"]));
    assert_eq!(perms.from_json(&json!(["read", "fly"])).unwrap_err().path(), "$[1]");
}

#[test]
fn nested_options_have_an_explicit_form() {
    let nested = ValueType::Option(Box::new(ValueType::Option(Box::new(ValueType::U32))));
    let cases = [
        (Value::Option(None), json!(null)),
        (Value::Option(Some(Box::new(Value::Option(None)))), json!({"some": null})),
        (Value::Option(Some(Box::new(Value::Option(Some(Box::new(Value::U32(3))))))), json!({"some": 3})),
    ];
    for (value, expected) in cases {
        assert_eq!(nested.to_json(&value).unwrap(), expected);
        assert_eq!(nested.from_json(&expected).unwrap(), value);
    }
    let plain = ValueType::Option(Box::new(ValueType::U32));
    assert_eq!(plain.to_json(&Value::Option(Some(Box::new(Value::U32(3))))).unwrap(), json!(3));
}

#[test]
fn chars_tuples_and_type_names() {
    assert_eq!(ValueType::Char.from_json(&json!("é")).unwrap(), Value::Char('é'));
    assert_eq!(
        ValueType::Char.from_json(&json!("ab")).unwrap_err().to_string(),
        "at $: expected char (a string of exactly one character), found string \"ab\""
    );
    let tuple = ValueType::Tuple(vec![ValueType::U8, ValueType::String]);
    assert_eq!(tuple.to_string(), "tuple<u8, string>");
    assert!(tuple.from_json(&json!([1])).unwrap_err().to_string().contains("an array of 2 items"));
    let result = ValueType::Result { ok: None, err: Some(Box::new(ValueType::String)) };
    assert_eq!(result.to_string(), "result<_, string>");
}
