"""One module per deploy.py command: plan, deploy, status, delete. Each returns a Result."""
