variable "environment" { type = string }
variable "network_id" { type = string }

resource "terraform_data" "database" {
  input = {
    name       = "${var.environment}-db"
    network_id = var.network_id
  }
}

output "endpoint" {
  value = "${var.environment}-db.internal:5432"
}
