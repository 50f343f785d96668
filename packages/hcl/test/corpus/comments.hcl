# hash comment at the top
// slash comment
/* block comment */
/*
 multi-line
 block comment { with braces } and "quotes"
*/
a = 1 # trailing hash
b = 2 // trailing slashes
c = /* inline */ 3
d = [
  1, # inside a list
  2, // another
  /* block in list */ 3,
]
e = {
  # comment in object
  k = "v" // trailing
}
block {
  # comment in block
  x = 1 /* after */
}
url = "http://example.com/#not-a-comment // nor this"
# comment at EOF without newline