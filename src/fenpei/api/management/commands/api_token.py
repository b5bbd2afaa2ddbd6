"""`fenpei api_token`: API tokens from the command line.

fenpei api_token USERNAME               print the user's token (made if they have none)
fenpei api_token USERNAME --regenerate  replace it with a new one and print that
fenpei api_token USERNAME --revoke      delete it: requests using it are refused
fenpei api_token --list                 who has a token (the keys are not shown)
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fenpei.api.selectors import token_of, tokens_all
from fenpei.api.services import token_issue, token_revoke


class Command(BaseCommand):
    help = "Print, make, regenerate, revoke or list API tokens."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username", nargs="?", help="the login whose token to manage")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--regenerate", action="store_true", help="replace the token")
        group.add_argument("--revoke", action="store_true", help="delete the token")
        group.add_argument("--list", action="store_true", help="list who has a token")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            self._list()
            return
        if not options["username"]:
            raise CommandError("give a username (or --list)")
        user = self._user(options["username"])
        if options["revoke"]:
            revoked = token_revoke(user)
            self.stdout.write(
                f"revoked the token of {user.username}"
                if revoked
                else f"{user.username} has no token"
            )
            return
        token = None if options["regenerate"] else token_of(user)
        if token is None:
            token = token_issue(user)
        # The key alone on stdout, so `KEY=$(fenpei api_token alice)` works in a script.
        self.stdout.write(token.key)

    def _user(self, username: str) -> Any:
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user {username!r}") from None

    def _list(self) -> None:
        tokens = list(tokens_all())
        if not tokens:
            self.stdout.write("no tokens")
            return
        for token in tokens:
            created = timezone.localtime(token.created)
            self.stdout.write(f"{token.user.username}\t{created:%Y-%m-%d %H:%M}")
