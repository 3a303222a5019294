"""Town halls, open forums, debates, trainings and body meetings: registration, check-in, the live console."""
