;; A component of the `calculator` world of calculator.wit (a host application's
;; own WIT, unknown to polyplug): `add` at world level, `double` inside the
;; `acme:calc/ops@1.0.0` instance. Used by the host's and the CLI's tests.
(component
  (core module $m
    (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
    (func (export "double") (param i64) (result i64) local.get 0 i64.const 2 i64.mul))
  (core instance $i (instantiate $m))
  (func $add (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
  (func $double (param "x" s64) (result s64) (canon lift (core func $i "double")))
  (instance $ops (export "double" (func $double)))
  (export "add" (func $add))
  (export "acme:calc/ops@1.0.0" (instance $ops)))
