"""Action plans moved in and out: files read as published, previewed, confirmed; exports people can use."""
