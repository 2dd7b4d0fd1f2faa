"""What generate.py and deploy.py share: one table of exit codes and one way to write a file."""
