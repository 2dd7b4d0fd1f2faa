"""Account preflight: what only the account knows, asked before the change set is made.

A referenced secret or parameter that is missing, a name someone already holds, a new key its
deployer could not administer, a quota the stack would pass: each would fail the deploy minutes
in, after CloudFormation has started creating. Asked first, each is one line with its fix.
"""

from .runner import run

__all__ = ["run"]
