"""STUB: the pytest plugin (fixtures fake_suno, suno_client)."""
