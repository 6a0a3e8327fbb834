"""HTTP plumbing shared by the API and the pages: auth dependencies, error mapping, JSON."""
