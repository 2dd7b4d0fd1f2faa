"""Deploy internals: AWS calls, change-set review, polling, root cause and rendering.

deploy.py parses flags and orchestrates; everything that talks to AWS or prints a review lives
here, so that each part can be tested on its own (botocore Stubber or the moto server).
"""
