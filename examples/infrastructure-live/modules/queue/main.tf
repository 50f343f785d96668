variable "environment" { type = string }

resource "terraform_data" "queue" {
  input = "${var.environment}-jobs-queue"
}
