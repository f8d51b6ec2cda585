"""`{{ value|machine_time }}`: a <time datetime> value without microseconds (clarion/web/times.py)."""

from __future__ import annotations

from django import template

from clarion.web.times import machine_time

register = template.Library()
register.filter("machine_time", machine_time)
