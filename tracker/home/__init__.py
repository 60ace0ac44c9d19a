"""Each person's home page: what is theirs to do, across every partnership they belong to."""
