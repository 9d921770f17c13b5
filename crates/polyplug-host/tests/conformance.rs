//! The conformance world through the Rust SDK's plugin, typed: every
//! function through the generated host bindings, and the errors of dynamic
//! calls. `conformance_languages.rs` runs the same cases against every
//! language's plugin.

mod common;

use polyplug_bindings::conformance::Conformance;
use polyplug_bindings::conformance::exports::polyplug::plugin::all_types::{
    Color, Everything, Failure, Permissions, Point, Shape,
};
use serde_json::json;

fn point(x: i32, y: i32, label: &str) -> Point {
    Point { x, y, label: label.into() }
}

fn debug(value: impl std::fmt::Debug) -> String {
    format!("{value:?}")
}

#[test]
fn typed_calls_carry_every_type() {
    let plugin = common::host().load_file(common::guest("conformance-rust")).unwrap();
    assert_eq!(plugin.world().short_name, "conformance");
    let typed = plugin.typed::<Conformance>().unwrap();
    let mut instance = typed.instance().unwrap();
    let mut call = |f: &dyn Fn(&Conformance, &mut wasmtime::Store<polyplug_host::PluginState>) -> wasmtime::Result<()>| {
        instance.call("conformance", |c, store| f(c, store)).unwrap()
    };
    call(&|c, s| {
        let t = c.polyplug_plugin_all_types();
        assert_eq!(t.call_inc_u8(&mut *s, 255)?, 0);
        assert_eq!(t.call_inc_u16(&mut *s, 7)?, 8);
        assert_eq!(t.call_inc_u32(&mut *s, u32::MAX)?, 0);
        assert_eq!(t.call_inc_u64(&mut *s, u64::MAX - 1)?, u64::MAX);
        assert_eq!(t.call_neg_s8(&mut *s, i8::MIN)?, i8::MIN);
        assert_eq!(t.call_neg_s16(&mut *s, 300)?, -300);
        assert_eq!(t.call_neg_s32(&mut *s, -5)?, 5);
        assert_eq!(t.call_neg_s64(&mut *s, i64::MAX)?, -i64::MAX);
        assert_eq!(t.call_double_f32(&mut *s, 1.25)?, 2.5);
        assert!(t.call_double_f64(&mut *s, f64::NAN)?.is_nan());
        assert_eq!(t.call_double_f64(&mut *s, -0.5)?, -1.0);
        assert_eq!(t.call_next_char(&mut *s, 'a')?, 'b');
        assert_eq!(t.call_next_char(&mut *s, '\u{10FFFF}')?, '\u{10FFFF}');
        assert!(!t.call_not_bool(&mut *s, true)?);
        assert_eq!(t.call_reverse_string(&mut *s, "héllo ✓")?, "✓ olléh");
        assert_eq!(t.call_reverse_bytes(&mut *s, &[1, 2, 255])?, vec![255, 2, 1]);
        assert_eq!(t.call_sum_list(&mut *s, &[1, -2, i64::MAX])?, i64::MAX - 1);
        assert_eq!(t.call_upper_all(&mut *s, &["a".into(), "ß".into()])?, vec!["A".to_string(), "ß".to_string()]);
        // The generated records derive Debug but not PartialEq: compare their Debug text.
        assert_eq!(debug(t.call_move_point(&mut *s, &point(1, 2, "p"), 10, -20)?), debug(point(11, -18, "p moved")));
        assert_eq!(t.call_area(&mut *s, &Shape::Rectangle((2.0, 3.5)))?, 7.0);
        assert_eq!(
            t.call_area(&mut *s, &Shape::Polygon(vec![point(0, 0, "a"), point(4, 0, "b"), point(4, 3, "c")]))?,
            6.0
        );
        assert_eq!(t.call_area(&mut *s, &Shape::Empty)?, 0.0);
        assert_eq!(t.call_next_color(&mut *s, Color::Blue)?, Color::Red);
        assert_eq!(t.call_toggle_permissions(&mut *s, Permissions::READ)?, Permissions::WRITE | Permissions::EXECUTE);
        assert_eq!(t.call_option_len(&mut *s, Some("four"))?, Some(4));
        assert_eq!(t.call_option_len(&mut *s, None)?, None);
        assert_eq!(t.call_nested_option(&mut *s, Some(Some(21)))?, Some(Some(42)));
        assert_eq!(t.call_nested_option(&mut *s, Some(None))?, Some(None));
        assert_eq!(t.call_nested_option(&mut *s, None)?, None);
        assert_eq!(t.call_parse_number(&mut *s, "123")?, Ok(123));
        assert_eq!(t.call_parse_number(&mut *s, "")?, Err(Failure::EmptyInput));
        assert_eq!(t.call_parse_number(&mut *s, "12345678901")?, Err(Failure::TooLong));
        assert_eq!(t.call_rotate_tuple(&mut *s, (7, "x", 0.25))?, (0.25, 7, "x".to_string()));
        let everything = Everything {
            points: vec![point(-1, 1, "ü")],
            shape: Shape::Circle(1.5),
            color: Color::Green,
            permissions: Permissions::READ | Permissions::EXECUTE,
            nickname: Some("nick".into()),
            nested: Some(None),
            outcome: Err("bad".into()),
            triple: (255, "t".into(), f32::INFINITY),
            bytes: (0..=255).collect(),
        };
        assert_eq!(debug(t.call_echo_everything(&mut *s, &everything)?), debug(&everything));
        Ok(())
    });
}

#[test]
fn resources_live_in_the_guest() {
    let plugin = common::host().load_file(common::guest("conformance-rust")).unwrap();
    let typed = plugin.typed::<Conformance>().unwrap();
    typed
        .call("counter", |c, store| {
            let counter = c.polyplug_plugin_all_types().counter();
            let a = counter.call_constructor(&mut *store, 10)?;
            assert_eq!(counter.call_increment(&mut *store, a, 5)?, 15);
            let b = counter.call_fork(&mut *store, a)?;
            assert_eq!(counter.call_increment(&mut *store, b, 1)?, 16);
            assert_eq!(counter.call_value(&mut *store, a)?, 15);
            assert_eq!(c.polyplug_plugin_all_types().call_sum_counters(&mut *store, a, b)?, 31);
            a.resource_drop(&mut *store)?;
            b.resource_drop(&mut *store)?;
            Ok(())
        })
        .unwrap();
}

#[test]
fn dynamic_call_errors_say_what_to_fix() {
    let plugin = common::host().load_file(common::guest("conformance-rust")).unwrap();
    let err = plugin.call_json("all-types", "move-point", &[json!({"x": 1, "y": "two", "label": "p"})]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "plugin `conformance-rust`, function `all-types/move-point`: expects 3 argument(s) (p: record { x: s32, y: s32, label: string }, dx: s32, dy: s32), got 1"
    );
    let err = plugin
        .call_json("all-types", "move-point", &[json!({"x": 1, "y": "two", "label": "p"}), json!(0), json!(0)])
        .unwrap_err();
    assert!(err.to_string().contains("at $.p.y: expected s32"), "{err}");
    let err = plugin.call_json("all-types", "no-such", &[]).unwrap_err();
    assert!(err.to_string().contains("has no function `all-types/no-such`; it exports: "), "{err}");
    assert!(err.to_string().contains("all-types/inc-u8"), "{err}");
    let err = plugin.call_json("all-types", "sum-counters", &[json!(1), json!(2)]).unwrap_err();
    assert!(err.to_string().contains("resources cannot cross a dynamic (JSON) call"), "{err}");
}
