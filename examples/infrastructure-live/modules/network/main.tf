variable "account_name" { type = string }
variable "aws_region" { type = string }
variable "environment" { type = string }
variable "cidr_block" { type = string }

resource "terraform_data" "network" {
  input = {
    name       = "${var.environment}-network"
    region     = var.aws_region
    account    = var.account_name
    cidr_block = var.cidr_block
  }
}

output "network_id" {
  value = "net-${var.environment}-${var.aws_region}"
}
