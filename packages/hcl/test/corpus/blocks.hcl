# Blocks with and without labels
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
  backend "s3" {
    bucket = "my-state"
  }
}

resource "aws_s3_bucket" "b" {
  bucket = "name"
  lifecycle {
    prevent_destroy = true
  }
  dynamic "rule" {
    for_each = var.rules
    content {
      id = rule.value.id
    }
  }
}

resource "aws_s3_bucket" "c" {
  bucket = "other"
}

resource aws_instance bare_labels {
  ami = "ami-123"
}

one_line { a = 1 }
empty_block {}
empty_labelled "x" {
}

locals {
  a = 1
}
locals {
  b = 2
}

deeply {
  nested {
    blocks {
      are {
        fine = true
      }
    }
  }
}
