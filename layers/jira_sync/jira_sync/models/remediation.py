"""The EventBridge events the remediation function takes, as SQS delivers them (the body).

The envelope is EventBridge's; ``id`` is the event's identity across SQS redeliveries (the
SQS message id changes on each). Extra fields are ignored, as EventBridge adds some.
"""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from jira_sync.models.credentials import Label
from jira_sync.models.issues import IssueInput, SnapshotInput

IssueId = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class PullRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    url: Annotated[str, StringConstraints(min_length=1, max_length=2048)]
    title: Annotated[str, StringConstraints(max_length=1024)] = ""
    repository: Annotated[str, StringConstraints(min_length=1, max_length=512)]
    number: int = Field(ge=0)


class PullRequestDetail(BaseModel):
    """``detail`` of ``Remediation Pull Request Opened`` and ``... Merged``."""

    model_config = ConfigDict(extra="ignore")

    issue_id: IssueId
    pull_request: PullRequest


class DetectedIssue(IssueInput):
    """The finding of ``Finding Detected``: what ``POST /issues/{id}/ticket`` takes, plus its
    labels (for the rule's ``labels_any``). Fields a scanner adds are ignored, not refused."""

    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True)

    labels: list[Label] = Field(default_factory=list, max_length=100)

    def ticket_input(self) -> IssueInput:
        return IssueInput.model_validate(self.model_dump(exclude={"labels"}))


class FindingDetail(BaseModel):
    """``detail`` of ``Finding Detected``."""

    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True)

    issue_id: IssueId
    credential_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    issue: DetectedIssue
    snapshot: SnapshotInput | None = None


class TransitionRetryDetail(BaseModel):
    """``detail`` of ``Jira Transition Retry``, which jira-sync queues for itself."""

    model_config = ConfigDict(extra="ignore")

    issue_id: IssueId
    state_version: int = Field(ge=1)
    attempt: int = Field(ge=1)


class BusEvent(BaseModel):
    """EventBridge's envelope."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    detail_type: str = Field(alias="detail-type")
    source: str
    detail: dict[str, Any]
