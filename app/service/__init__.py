"""The code that runs in the Lambda function (shipped in code.zip with its dependencies)."""
