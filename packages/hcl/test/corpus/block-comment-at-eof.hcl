a = 1
/* unterminated? no: closed */