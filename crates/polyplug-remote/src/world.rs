//! What a remote plugin of a world serves, read from the world's WIT: each
//! function's wire name and its parameter and result types (to check what
//! a service answers), and the check of a `describe` against the world the
//! host expects.

use std::collections::HashMap;

use polyplug_value::{Case, Field, ValueType};
use polyplug_wit::wit_parser::{Function, Resolve, Type, TypeDefKind, WorldItem};
use polyplug_wit::{Catalog, WorldSpec};

use crate::protocol::{Describe, PROTOCOL};

/// One function a remote plugin serves.
#[derive(Debug, Clone)]
pub struct ServedFunction {
    /// `interface/function` as the URL names it (`authenticator/authenticate`).
    pub name: String,
    /// The parameters' types, in order.
    pub params: Vec<ValueType>,
    /// The result's type; `None` for a function without one.
    pub result: Option<ValueType>,
}

/// A world as a remote plugin serves it.
#[derive(Debug, Clone)]
pub struct RemoteWorld {
    /// The world as the catalog describes it.
    pub spec: WorldSpec,
    /// The WIT text a plugin of it serves from `describe`.
    pub wit: String,
    /// That text's digest.
    pub digest: String,
    functions: HashMap<String, ServedFunction>,
}

impl RemoteWorld {
    /// The world `name` of `catalog`.
    pub fn new(catalog: &Catalog, name: &str) -> Result<RemoteWorld, String> {
        let spec = catalog.world(name).map_err(|e| e.to_string())?;
        let wit = catalog.world_wit(name).map_err(|e| e.to_string())?;
        let digest = polyplug_wit::wit_digest(&wit);
        let resolve = catalog.resolve();
        let id = catalog.world_id(name).map_err(|e| e.to_string())?;
        let mut functions = HashMap::new();
        for (key, item) in &resolve.worlds[id].exports {
            let (interface, list): (String, Vec<&Function>) = match item {
                WorldItem::Interface { id, .. } => {
                    let short = crate::protocol::wire_interface(&resolve.name_world_key(key)).to_string();
                    (short, resolve.interfaces[*id].functions.values().collect())
                }
                WorldItem::Function(f) => ("_".to_string(), vec![f]),
                WorldItem::Type { .. } => continue,
            };
            // `plugin` (describe, init) is the local lifecycle; `describe` replaces it.
            if interface == "plugin" {
                continue;
            }
            for function in list {
                let params: Option<Vec<ValueType>> = function.params.iter().map(|p| value_type(resolve, &p.ty)).collect();
                let result = function.result.as_ref().map(|ty| value_type(resolve, ty));
                // Functions with resources are not served remotely (a handle lives in one instance).
                let (Some(params), Some(result)) = (params, result.map_or(Some(None), |r| r.map(Some))) else { continue };
                let name = format!("{interface}/{}", function.name);
                functions.insert(name.clone(), ServedFunction { name, params, result });
            }
        }
        Ok(RemoteWorld { spec, wit, digest, functions })
    }

    /// The function `interface/function` (wire names), if it is served.
    pub fn function(&self, name: &str) -> Option<&ServedFunction> {
        self.functions.get(name)
    }

    /// Every served function's wire name, sorted.
    pub fn function_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.functions.keys().cloned().collect();
        names.sort();
        names
    }

    /// Whether `describe` shows a plugin implementing this world; else why not.
    pub fn check(&self, describe: &Describe) -> Result<(), String> {
        if describe.protocol != PROTOCOL {
            return Err(format!(
                "it speaks remote protocol {}, this host speaks {PROTOCOL}; upgrade whichever is older",
                describe.protocol
            ));
        }
        if polyplug_wit::wit_digest(&describe.wit) != describe.digest {
            return Err(format!(
                "its describe is corrupt: `digest` ({}) is not the SHA-256 of its `wit` text; serve the text exactly as `polyplug wit` prints it, with its digest",
                describe.digest
            ));
        }
        if describe.world != self.spec.name {
            return Err(format!("it implements the world `{}`, not `{}`", describe.world, self.spec.name));
        }
        if describe.digest == self.digest {
            return Ok(());
        }
        let served = Catalog::from_wit_text(&describe.wit, "its describe")
            .and_then(|catalog| catalog.world(&self.spec.name))
            .map_err(|e| format!("its WIT does not define the world: {e}"))?;
        match self.spec.mismatch(&served) {
            None => Ok(()),
            Some(difference) => Err(difference),
        }
    }
}

/// The value type of `ty`; `None` when it holds a resource handle.
fn value_type(resolve: &Resolve, ty: &Type) -> Option<ValueType> {
    Some(match ty {
        Type::Bool => ValueType::Bool,
        Type::U8 => ValueType::U8,
        Type::U16 => ValueType::U16,
        Type::U32 => ValueType::U32,
        Type::U64 => ValueType::U64,
        Type::S8 => ValueType::S8,
        Type::S16 => ValueType::S16,
        Type::S32 => ValueType::S32,
        Type::S64 => ValueType::S64,
        Type::F32 => ValueType::F32,
        Type::F64 => ValueType::F64,
        Type::Char => ValueType::Char,
        Type::String => ValueType::String,
        Type::ErrorContext => return None,
        Type::Id(id) => {
            let def = &resolve.types[*id];
            let name = def.name.clone();
            match &def.kind {
                TypeDefKind::Type(inner) => value_type(resolve, inner)?,
                TypeDefKind::Record(record) => ValueType::Record {
                    name,
                    fields: record
                        .fields
                        .iter()
                        .map(|f| Some(Field { name: f.name.clone(), ty: value_type(resolve, &f.ty)? }))
                        .collect::<Option<_>>()?,
                },
                TypeDefKind::Variant(variant) => ValueType::Variant {
                    name,
                    cases: variant
                        .cases
                        .iter()
                        .map(|c| {
                            let ty = match &c.ty {
                                Some(ty) => Some(value_type(resolve, ty)?),
                                None => None,
                            };
                            Some(Case { name: c.name.clone(), ty })
                        })
                        .collect::<Option<_>>()?,
                },
                TypeDefKind::Enum(e) => ValueType::Enum { name, cases: e.cases.iter().map(|c| c.name.clone()).collect() },
                TypeDefKind::Flags(f) => ValueType::Flags { name, names: f.flags.iter().map(|f| f.name.clone()).collect() },
                TypeDefKind::Tuple(t) => ValueType::Tuple(t.types.iter().map(|t| value_type(resolve, t)).collect::<Option<_>>()?),
                TypeDefKind::Option(inner) => ValueType::Option(Box::new(value_type(resolve, inner)?)),
                TypeDefKind::Result(r) => ValueType::Result {
                    ok: match &r.ok {
                        Some(ty) => Some(Box::new(value_type(resolve, ty)?)),
                        None => None,
                    },
                    err: match &r.err {
                        Some(ty) => Some(Box::new(value_type(resolve, ty)?)),
                        None => None,
                    },
                },
                TypeDefKind::List(inner) => ValueType::List(Box::new(value_type(resolve, inner)?)),
                _ => return None,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Identity;

    fn describe(world: &RemoteWorld) -> Describe {
        Describe {
            protocol: PROTOCOL,
            plugin: Identity { name: "t".into(), version: "1.0.0".into(), description: String::new() },
            world: world.spec.name.clone(),
            wit: world.wit.clone(),
            digest: world.digest.clone(),
            idempotent: vec![],
        }
    }

    #[test]
    fn serves_the_world_functions_but_not_the_lifecycle_or_resources() {
        let world = RemoteWorld::new(&Catalog::builtin(), "conformance").unwrap();
        let names = world.function_names();
        assert!(names.contains(&"all-types/inc-u8".to_string()), "{names:?}");
        assert!(names.contains(&"all-types/live-counters".to_string()), "{names:?}");
        assert!(!names.iter().any(|n| n.starts_with("plugin/") || n.contains("counter.") || n.contains("sum-counters")), "{names:?}");
        let echo = world.function("all-types/echo-everything").unwrap();
        assert!(matches!(&echo.result, Some(ValueType::Record { name: Some(n), .. }) if n == "everything"));
    }

    #[test]
    fn a_describe_is_checked_against_the_expected_world() {
        let auth = RemoteWorld::new(&Catalog::builtin(), "auth").unwrap();
        assert_eq!(auth.check(&describe(&auth)), Ok(()));

        let mut reformatted = describe(&auth);
        reformatted.wit = format!("// served by a plugin\n{}", auth.wit);
        reformatted.digest = polyplug_wit::wit_digest(&reformatted.wit);
        assert_eq!(auth.check(&reformatted), Ok(()), "comments do not count");

        let mut corrupt = describe(&auth);
        corrupt.digest = "sha256:00".into();
        assert!(auth.check(&corrupt).unwrap_err().contains("describe is corrupt"));

        let transform = RemoteWorld::new(&Catalog::builtin(), "transform").unwrap();
        let err = auth.check(&describe(&transform)).unwrap_err();
        assert_eq!(err, "it implements the world `polyplug:plugin/transform@0.1.0`, not `polyplug:plugin/auth@0.1.0`");

        let mut future = describe(&auth);
        future.protocol = 2;
        assert!(auth.check(&future).unwrap_err().contains("remote protocol 2"));
    }
}
