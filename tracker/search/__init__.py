"""Search across actions, recommendations, reviews, benchmark key issues and agencies (issue 13)."""
