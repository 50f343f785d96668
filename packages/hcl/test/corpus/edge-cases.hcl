nested_splat = a[*].b[*].c
splat_legacy = a.*.0
interp_multiline = "${join(",",
  var.list)}"
interp_comment = "${ var.x /* note */ }"
heredoc_interp_multiline = <<EOT
start ${
  var.x
} end
EOT
key_template = { "${var.k}" = 1, "k${2}" = 2 }
key_number = { 1 = "one" }
key_true = { true = "t" }
nested_for = [for a in var.x : [for b in a : b * 2]]
for_in_template = "%{ for a in var.x }%{ if a > 1 }${a}%{ endif }%{ endfor }"
nested_else = "%{ if a }%{ if b }ab%{ else }a%{ endif }%{ else }none%{ endif }"
template_for_key = "%{ for k, v in m }${k}%{ endfor }"
cond_nested = a ? b ? 1 : 2 : 3
call_no_args = timestamp()
call_expand_only = max(var.nums...)
func_named_like_keyword = null_resource
true_attr = var.true
minus_chain = 1 - -2
not_not = !!true
compare_chain = 1 < 2 == true
mod_prec = 7 % 3 * 2
paren_then_index = (var.x)[0]
template_then_index = "abc"
string_with_hash = "a # b // c /* d */"
interp_with_braces = "${ {a = 1}.a }"
interp_object_for = "${ {for k in x : k => k} }"
tuple_for_newlines = [
  for x in var.list :
  x
  if x != ""
]
object_nested_multiline = {
  a = {
    b = [
      1,
      2,
    ]
  }
  c = "d"
}
object_value_conditional = { a = var.x ? 1 : 2, b = 3 }
empty_interp_heredoc = <<EOF
${""}
EOF
heredoc_trailing_spaces = <<-EOF
    a   
    b
    EOF
heredoc_strip_markers = <<EOF
x   ${~ 1 ~}   y
EOF
unicode_escape_surrogate = "\uD7FF"
dots_in_string = "..."
ellipsis_middle = f(a, b...)
