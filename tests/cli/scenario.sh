#!/usr/bin/env bash
# The AWS CLI and boto3 against a Basalt server, as a user would drive them: Debian's `awscli` and `python3-boto3`
# pointed at the server with --endpoint-url. Starts the built server (in memory, a free port), runs the commands,
# checks each output, stops the server. Exits non-zero on the first failure. Run by .ci/run after the tests:
#   bash tests/cli/scenario.sh [path/to/Basalt.Server.dll]
set -euo pipefail
cd "$(dirname "$0")/../.."
dll=${1:-server/Basalt.Server/bin/Release/net10.0/Basalt.Server.dll}
AWS=${AWS:-/usr/bin/aws}
PY=${PY:-/usr/bin/python3}
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
endpoint="http://127.0.0.1:$port"
export AWS_ACCESS_KEY_ID=basalt AWS_SECRET_ACCESS_KEY=secret AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
log=$(mktemp)
dotnet "$dll" --in-memory --port "$port" >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if $PY -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null; then break; fi
  kill -0 $server 2>/dev/null || { cat "$log"; echo "cli-scenario: the server exited"; exit 1; }
  sleep 0.1
done
passed=0; failed=0
check() { # name, expected, actual
  if [ "$2" == "$3" ]; then passed=$((passed+1)); else failed=$((failed+1)); echo "cli-scenario: FAIL $1: expected [$2], got [$3]"; fi
}
ddb() { $AWS dynamodb --endpoint-url "$endpoint" --output json "$@"; }
field() { $PY -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {}, {'d': d}))" "$1"; }

out=$(ddb create-table --table-name Music \
  --attribute-definitions AttributeName=Artist,AttributeType=S AttributeName=Song,AttributeType=N \
  --key-schema AttributeName=Artist,KeyType=HASH AttributeName=Song,KeyType=RANGE --billing-mode PAY_PER_REQUEST)
check create-table ACTIVE "$(echo "$out" | field "d['TableDescription']['TableStatus']")"

for i in $(seq 1 12); do
  ddb put-item --table-name Music --item "{\"Artist\":{\"S\":\"Ada\"},\"Song\":{\"N\":\"$i\"},\"Plays\":{\"N\":\"0\"}}" >/dev/null
done
out=$(ddb get-item --table-name Music --key '{"Artist":{"S":"Ada"},"Song":{"N":"3"}}')
check get-item 0 "$(echo "$out" | field "d['Item']['Plays']['N']")"

out=$(ddb update-item --table-name Music --key '{"Artist":{"S":"Ada"},"Song":{"N":"3"}}' \
  --update-expression 'SET Plays = Plays + :one' --condition-expression 'Plays < :max' \
  --expression-attribute-values '{":one":{"N":"1"},":max":{"N":"5"}}' --return-values ALL_NEW)
check update-item 1 "$(echo "$out" | field "d['Attributes']['Plays']['N']")"
err=$(ddb update-item --table-name Music --key '{"Artist":{"S":"Ada"},"Song":{"N":"3"}}' \
  --update-expression 'SET Plays = Plays + :one' --condition-expression 'Plays > :max' \
  --expression-attribute-values '{":one":{"N":"1"},":max":{"N":"5"}}' 2>&1 || true)
check update-item-condition yes "$(echo "$err" | grep -q ConditionalCheckFailedException && echo yes || echo no)"

out=$(ddb query --table-name Music --key-condition-expression 'Artist = :a AND Song BETWEEN :lo AND :hi' \
  --expression-attribute-values '{":a":{"S":"Ada"},":lo":{"N":"2"},":hi":{"N":"6"}}')
check query "2 3 4 5 6" "$(echo "$out" | field "' '.join(i['Song']['N'] for i in d['Items'])")"

# The CLI pages through the whole scan itself (--page-size 5: three requests with ExclusiveStartKey).
out=$(ddb scan --table-name Music --page-size 5)
check scan-paginated 12 "$(echo "$out" | field "d['Count']")"

out=$(ddb batch-write-item --request-items '{"Music":[{"PutRequest":{"Item":{"Artist":{"S":"Bo"},"Song":{"N":"1"}}}},{"DeleteRequest":{"Key":{"Artist":{"S":"Ada"},"Song":{"N":"12"}}}}]}')
check batch-write-item 0 "$(echo "$out" | field "len(d.get('UnprocessedItems', {}))")"
out=$(ddb scan --table-name Music --select COUNT)
check scan-count 12 "$(echo "$out" | field "d['Count']")"

out=$(ddb delete-table --table-name Music)
check delete-table DELETING "$(echo "$out" | field "d['TableDescription']['TableStatus']")"
check list-tables 0 "$(ddb list-tables | field "len(d['TableNames'])")"

# boto3's resource API: the same through the high-level Table object.
out=$($PY - "$endpoint" <<'PY'
import sys, boto3
from boto3.dynamodb.conditions import Key
db = boto3.resource('dynamodb', endpoint_url=sys.argv[1])
t = db.create_table(TableName='Books', KeySchema=[{'AttributeName': 'isbn', 'KeyType': 'HASH'}],
                    AttributeDefinitions=[{'AttributeName': 'isbn', 'AttributeType': 'S'}], BillingMode='PAY_PER_REQUEST')
t.wait_until_exists()
with t.batch_writer() as batch:
    for i in range(30):
        batch.put_item(Item={'isbn': f'b{i:02}', 'pages': i * 10, 'tags': {'x', 'y'}})
t.update_item(Key={'isbn': 'b07'}, UpdateExpression='ADD pages :n', ExpressionAttributeValues={':n': 5})
got = t.get_item(Key={'isbn': 'b07'})['Item']
q = t.query(KeyConditionExpression=Key('isbn').eq('b07'))['Items']
items, kwargs = [], {'Limit': 8}
while True:
    page = t.scan(**kwargs)
    items += page['Items']
    if 'LastEvaluatedKey' not in page: break
    kwargs['ExclusiveStartKey'] = page['LastEvaluatedKey']
t.delete()
print(got['pages'], sorted(got['tags']), len(q), len(items))
PY
)
check boto3 "75 ['x', 'y'] 1 30" "$out"

# Secondary indexes and transactions through boto3's client API: a table with a local and a global index, a
# transfer as TransactWriteItems, a cancelled one with its reasons, TransactGetItems, and queries of both indexes
# (the global one polled: it is eventually consistent).
out=$($PY - "$endpoint" <<'PY'
import sys, time, boto3
c = boto3.client('dynamodb', endpoint_url=sys.argv[1])
c.create_table(TableName='Accounts', BillingMode='PAY_PER_REQUEST',
    KeySchema=[{'AttributeName': 'owner', 'KeyType': 'HASH'}, {'AttributeName': 'id', 'KeyType': 'RANGE'}],
    AttributeDefinitions=[{'AttributeName': a, 'AttributeType': 'S'} for a in ('owner', 'id', 'kind', 'branch')],
    LocalSecondaryIndexes=[{'IndexName': 'by-kind', 'KeySchema': [{'AttributeName': 'owner', 'KeyType': 'HASH'}, {'AttributeName': 'kind', 'KeyType': 'RANGE'}],
                            'Projection': {'ProjectionType': 'ALL'}}],
    GlobalSecondaryIndexes=[{'IndexName': 'by-branch', 'KeySchema': [{'AttributeName': 'branch', 'KeyType': 'HASH'}],
                             'Projection': {'ProjectionType': 'KEYS_ONLY'}}])
for i, (kind, branch) in enumerate([('checking', 'north'), ('savings', 'north'), ('checking', 'south')]):
    c.put_item(TableName='Accounts', Item={'owner': {'S': 'ada'}, 'id': {'S': f'a{i}'}, 'kind': {'S': kind}, 'branch': {'S': branch}, 'balance': {'N': '100'}})
def move(src, dst, amount):
    return [{'Update': {'TableName': 'Accounts', 'Key': {'owner': {'S': 'ada'}, 'id': {'S': src}}, 'UpdateExpression': 'ADD balance :d',
                        'ConditionExpression': 'balance >= :n', 'ExpressionAttributeValues': {':d': {'N': str(-amount)}, ':n': {'N': str(amount)}}}},
            {'Update': {'TableName': 'Accounts', 'Key': {'owner': {'S': 'ada'}, 'id': {'S': dst}}, 'UpdateExpression': 'ADD balance :d',
                        'ExpressionAttributeValues': {':d': {'N': str(amount)}}}}]
c.transact_write_items(TransactItems=move('a0', 'a1', 30), ClientRequestToken='t-1')
try:
    c.transact_write_items(TransactItems=move('a0', 'a1', 500))
    reasons = 'not cancelled'
except c.exceptions.TransactionCanceledException as e:
    reasons = ','.join(r['Code'] for r in e.response['CancellationReasons'])
got = c.transact_get_items(TransactItems=[{'Get': {'TableName': 'Accounts', 'Key': {'owner': {'S': 'ada'}, 'id': {'S': i}}}} for i in ('a0', 'a1')])
balances = [r['Item']['balance']['N'] for r in got['Responses']]
checking = c.query(TableName='Accounts', IndexName='by-kind', KeyConditionExpression='#o = :o AND kind = :k',
                   ExpressionAttributeNames={'#o': 'owner'}, ExpressionAttributeValues={':o': {'S': 'ada'}, ':k': {'S': 'checking'}})['Count']
north = 0
for _ in range(100):
    north = c.query(TableName='Accounts', IndexName='by-branch', KeyConditionExpression='branch = :b', ExpressionAttributeValues={':b': {'S': 'north'}})['Count']
    if north == 2: break
    time.sleep(0.05)
c.delete_table(TableName='Accounts')
print(balances, reasons, checking, north)
PY
)
check boto3-indexes-transactions "['70', '130'] ConditionalCheckFailed,None 2 2" "$out"

echo "cli-scenario: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
