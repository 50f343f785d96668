greeting = "héllo wörld — ünïcødé 😀"
名前 = "識別子"
ключ = "значение"
mixed_ident_ü = 1
emoji_in_template = "😀 ${var.x} 😀"
block "ラベル" {
  x = "値"
}
