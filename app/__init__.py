"""The sample application the platform's pipeline delivers: a health-check Lambda function that
proves it reaches the platform's database and cache over TLS (template, service, build)."""
