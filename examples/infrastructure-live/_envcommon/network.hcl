# Settings shared by every environment's network unit.
terraform {
  source = "${dirname(find_in_parent_folders("root.hcl"))}/modules//network"
}

inputs = {
  cidr_block = "10.0.0.0/16"
}
