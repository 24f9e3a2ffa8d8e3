"""The domain arithmetic both the rules and the pages use.

Periods (2025Q1, 2025H1) and their deadlines, committee terms and who is in post, money
and shares, the Civil Code's vote thresholds, and what is due to be disclosed when. The
rules in ``generator/checks/`` report from these functions and ``generator/model.py``
shows their results, so a page and a finding can never disagree. Nothing here imports a
rule or a later stage.
"""
