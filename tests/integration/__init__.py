"""Real-client integration tests: libgearman CLI tools, PHP, Perl and Python client libraries."""
