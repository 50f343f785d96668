dependency "a" { config_path = "../a" }
dependency "b" { config_path = "../b" }
skip {}
