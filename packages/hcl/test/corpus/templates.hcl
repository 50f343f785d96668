simple = "hello ${name}!"
escapes = "tab\there \"quoted\" back\\slash newline\n unicode \u00e9 \U0001F600 dollar $${x} percent %%{y} lone $ and % here"
only_interp = "${var.x}"
nested = "outer ${ "inner ${var.y}" } done"
if_else = "%{ if var.enabled }enabled%{ else }disabled%{ endif }"
if_only = "%{ if var.enabled }yes%{ endif }!"
for_loop = "%{ for i, v in var.list }${i}=${v},%{ endfor }"
strip = "a   ${~ var.x ~}   b"
strip_directive = <<-EOT
  items:
  %{~ for v in var.list ~}
    - ${v}
  %{~ endfor ~}
  end
  EOT
func_in_template = "${join(",", var.list)}-${length(var.list)}"
conditional_in_template = "${var.a ? "x" : "y"}"
math_in_template = "${1 + 2}"
empty = ""
dollar_end = "cost: $"
percent_end = "100%"
double_dollar_no_brace = "$$ and %% stay"
