"""The database bootstrap job: creates or updates the application's PostgreSQL role and database
with the master secret, idempotently, from inside the VPC (templates/bootstrap.py runs it)."""
