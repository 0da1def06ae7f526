"""The built-in roles and their grants. A data migration creates them; administrators may
change grants or add roles in the UI."""

ALL = {"view": "all", "create": "all", "change": "all", "delete": "all", "export": "all"}

DEFAULT_ROLES = {
    "administrator": {"name": "Administrator", "is_admin": True, "grants": {"*": ALL}},
    "head_of_sales": {"name": "Head of sales", "is_admin": False, "grants": {"*": ALL}},
    "manager": {
        "name": "Manager",
        "is_admin": False,
        "grants": {
            "*": {
                "view": "own",
                "create": "all",
                "change": "own",
                "delete": "own",
                "export": "own",
            },
        },
    },
    "support_agent": {
        "name": "Support agent",
        "is_admin": False,
        "grants": {
            "*": {
                "view": "all",
                "create": "all",
                "change": "own",
                "delete": "none",
                "export": "none",
            },
            "ticket": {
                "view": "all",
                "create": "all",
                "change": "all",
                "delete": "none",
                "export": "own",
            },
        },
    },
    "read_only": {
        "name": "Read-only",
        "is_admin": False,
        "grants": {
            "*": {
                "view": "all",
                "create": "none",
                "change": "none",
                "delete": "none",
                "export": "none",
            },
        },
    },
}
