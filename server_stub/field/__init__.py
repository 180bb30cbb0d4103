"""The field: enrolled devices, enrolment codes, tasks, inspection codes, feedback."""
