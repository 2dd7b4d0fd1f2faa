"""Pure CloudFormation template knowledge: intrinsics, the dependency graph, limits, durations."""
