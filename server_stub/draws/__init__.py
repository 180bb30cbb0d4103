"""Plans and their draws: pure sampling and team forming, the seed ceremony, the population, planning on the database, the auditor's export."""
