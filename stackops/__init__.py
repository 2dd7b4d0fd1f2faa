"""Deploy internals: aws/ (AWS calls), commands/ (one per command), follow/, datasafety/."""

# deploy.py parses flags and orchestrates; everything that talks to AWS or prints a review lives
# here, so that each part can be tested on its own (botocore Stubber or the moto server):
#   aws/         clients, error decoding, stacks, change sets, events, buckets, uploads
#   commands/    plan, deploy, status, delete (and prepare, what plan and deploy share)
#   follow/      the state table walk, polling, progress, interrupts and signals
#   datasafety/  verdicts, the one decision per verdict, stack policy, termination protection
#   session, request, result, review, render, inputs, rootcause, errors: shared by the above
