"""Hand-offs told: when one person's step makes it someone else's turn (a closure claimed, a deadline move to
approve, a response due), the next person hears, at once or in a morning email, as they choose."""
