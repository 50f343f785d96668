locals {
  env = "prod"
}

unit "vpc" {
  source = "git::git@github.com:acme/catalog.git//units/vpc?ref=v1.0.0"
  path   = "vpc"
  values = {
    cidr = "10.0.0.0/16"
    env  = local.env
  }
}

stack "services" {
  source = "../stacks/services"
  path   = "services"
}
