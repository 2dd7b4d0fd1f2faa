# The approval's one line from `deploy.py plan --output json` (buildspecs/plan.yml).
(.changes // []) as $changes
| ($changes | map(select(.replacement == "True") | .logical_id)) as $replaced
| if ($changes | length) == 0 then "\(.stack): no changes"
  else "\(.stack): \($changes | length) change(s) ("
    + ($changes | group_by(.action) | map("\(length) \(.[0].action)") | join(", "))
    + "); replaced: "
    + (if ($replaced | length) == 0 then "none" else ($replaced | join(", ")) end)
    + "; review \((.review_fingerprint // "") | .[0:19])"
  end
