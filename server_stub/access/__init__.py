"""Who may see what (DESIGN §11): the rules every door and domain package asks."""
