"""The Lark grammars of the environments, one ``<environment>.lark`` file each (package data)."""
