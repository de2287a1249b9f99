app                      v2    93cf9e8ecc8d  2026-11-28T10:11:17Z  3 versions
tok                      v1    48d2a5bbcf42  2026-11-28T10:11:17Z  1 version
