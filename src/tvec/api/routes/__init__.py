"""Route modules, one per resource group."""
