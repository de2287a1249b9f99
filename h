v1    previous  2026-11-28T10:11:17Z  2ed45968de9c  first one
v2    current   2026-11-28T10:11:17Z  93cf9e8ecc8d
