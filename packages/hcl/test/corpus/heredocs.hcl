plain = <<EOF
line one
  line two with ${var.x} and $${escaped} and %%{ not a directive }
EOF

indented = <<-EOT
    first
      second
    ${upper("third")}
  EOT

indent_blank_lines = <<-EOT
    a

      b
    EOT

with_directives = <<-EOT
  %{ for name in var.names ~}
  user ${name}
  %{ endfor ~}
  %{ if var.enabled }on%{ else }off%{ endif }
  EOT

empty_heredoc = <<EOF
EOF

json_policy = <<JSON
{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "${aws_s3_bucket.b.arn}"}]
}
JSON

marker_with_underscores = <<END_OF_TEXT
backslashes stay \n as written
END_OF_TEXT

tab_indented = <<-EOT
		tabbed
		  more
	EOT

marker_in_text = <<EOF
not EOF here, EOFX neither
EOF
