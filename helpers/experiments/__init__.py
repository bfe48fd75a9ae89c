"""Each chapter's experiments and claims, one module per chapter: the configurations it trains,
built from the profile, and the `helpers.claim.Claim`s they decide. The chapter, the claims
table and the tests build them here, so a run is defined once and found by its configuration."""
