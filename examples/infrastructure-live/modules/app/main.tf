variable "environment" { type = string }
variable "network_id" { type = string }
variable "replicas" { type = number }

resource "terraform_data" "app" {
  count = var.replicas
  input = {
    name       = "${var.environment}-app-${count.index}"
    network_id = var.network_id
  }
}

output "app_names" {
  value = [for app in terraform_data.app : app.input.name]
}
