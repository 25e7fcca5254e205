"""Everything about Jira: the REST client, URL checks, create screens, transitions, fields."""
