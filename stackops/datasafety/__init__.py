"""Data safety: verdicts on each change, the one decision per verdict, stack policy, termination."""
