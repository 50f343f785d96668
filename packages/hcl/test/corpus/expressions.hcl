precedence1 = 1 + 2 * 3 - 4 / 2 % 3
precedence2 = a || b && c == d != e < f
precedence3 = !a && -b > c
precedence4 = (1 + 2) * 3
comparison  = a <= b || c >= d
conditional = var.x > 0 ? "positive" : var.x < 0 ? "negative" : "zero"
unary_neg_literal = -42
unary_not_literal = !false
unary_neg_var = -var.n
call_nested = max(min(1, 2), abs(-3), floor(3.7))
call_expand = concat(var.lists...)
call_trailing_comma = merge(
  local.a,
  local.b,
)
provider_fn = provider::terraform::encode_tfvars({ a = 1 })
index_literal = var.list[0]
index_expr = var.map[local.key]
legacy_index = var.list.0
attr_chain = module.vpc.outputs.subnet_ids
attr_splat = aws_instance.web.*.id
full_splat = var.objects[*].name
full_splat_index = var.objects[*].tags["Name"]
splat_then_index = var.objects.*.id[0]
tuple = [1, "two", true, null, [3], { four = 4 }]
tuple_multiline = [
  "a",
  "b",
]
object = { a = 1, "quoted key" = 2, b: 3 }
object_multiline = {
  name    = "x"
  "tags"  = { Env = "prod" }
  (local.dynamic_key) = true
}
object_commas_newlines = {
  a = 1,
  b = 2
}
for_tuple = [for s in var.list : upper(s)]
for_tuple_if = [for i, s in var.list : "${i}-${s}" if s != ""]
for_object = { for k, v in var.map : k => v.value }
for_object_grouping = { for s in var.list : substr(s, 0, 1) => s... }
for_object_if = {
  for k, v in var.map :
  k => v
  if v != null
}
numbers = [0, 7, 3.14, 1e3, 2.5E-2, 6.02e+23, 1000000]
bools_and_null = [true, false, null]
try_can = try(local.maybe.value, can(regex("^a", var.s)) ? "a" : "b")
empty_tuple = []
empty_object = {}
nested_parens = ((a))
