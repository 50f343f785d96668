# Settings shared by every environment's app unit: it reads the network's outputs. The mock outputs let a
# pull request plan the app before the network exists.
terraform {
  source = "${dirname(find_in_parent_folders("root.hcl"))}/modules//app"
}

dependency "network" {
  config_path = "../network"

  mock_outputs = {
    network_id = "mock-network-id"
  }
  mock_outputs_allowed_terraform_commands = ["validate", "plan", "show"]
}

inputs = {
  network_id = dependency.network.outputs.network_id
  replicas   = 1
}
