"""Adapters of the AWS services other than DynamoDB: API Gateway, EventBridge, Secrets Manager."""
