using System.Text;
using Basalt.Engine.Model;

namespace Basalt.Fuzz.Targets;

// The seed corpora, fuzz/corpus/<target>/: small valid inputs of every kind, generated here so that they follow
// the formats when those change (`target --write-corpus fuzz/corpus`; the generated files are committed). A
// target's directory is emptied and rewritten; add a seed by adding it here.
public static class SeedCorpus
{
    public static IEnumerable<(string Target, int Files)> Write(string directory)
    {
        foreach (var target in TargetRegistry.All)
        {
            string dir = Path.Combine(directory, target.Name);
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            Directory.CreateDirectory(dir);
            int files = 0;
            foreach (var (name, bytes) in For(target.Name))
            {
                File.WriteAllBytes(Path.Combine(dir, name), bytes);
                files++;
            }
            yield return (target.Name, files);
        }
    }

    public static IEnumerable<(string Name, byte[] Bytes)> For(string target) => target switch
    {
        "json-request" => JsonRequests().Select(r => ($"{r.Name}.json", (byte[])[JsonRequestTarget.PrefixOf(r.Operation), .. Encoding.UTF8.GetBytes(r.Body)])),
        "json-operation" => JsonRequests().Where(r => !r.Operation.EndsWith(".fast", StringComparison.Ordinal)).Concat(IndexedRequests())
            .Select(r => ($"{r.Name}.json", (byte[])[JsonRequestTarget.PrefixOf(r.Operation), .. Encoding.UTF8.GetBytes(r.Body)])),
        "condition-expression" => Text("cond", Conditions),
        "key-condition-expression" => Text("key", KeyConditions),
        "update-expression" => Text("update", Updates),
        "projection-expression" => Text("proj", Projections),
        "item-decoder" => EncodedItems(),
        "wal-reader" => StorageFiles.WalSeeds(),
        "segment-reader" => StorageFiles.SegmentSeeds(),
        "manifest-reader" => StorageFiles.ManifestSeeds(),
        "frame-reader" => BinaryFrames.Seeds(),
        _ => [],
    };

    private static IEnumerable<(string, byte[])> Text(string prefix, string[] expressions) =>
        expressions.Select((e, i) => ($"{prefix}-{i:D2}.txt", Encoding.UTF8.GetBytes(e)));

    private static readonly string[] Conditions =
    [
        "attribute_exists(pk) AND #a = :n",
        "attribute_not_exists(#b) OR (a BETWEEN :n AND :w)",
        "NOT (b IN (:s, :v, :e)) AND size(#l) > :n",
        "begins_with(#b, :v) AND contains(#ss, :s) AND attribute_type(#m, :s)",
        "#m.b[1].c <> :s AND m.a >= :f AND l[0] < :big",
        "contains(#l, :l) OR #t = :t OR #z = :z OR c = :b OR #ns = :ns OR bs = :bs OR #m = :m",
        "size(#dot) <= :n AND #u = :s",
        "(#a < :n) AND ((#b > :s) OR NOT #c = :b)",
    ];

    private static readonly string[] KeyConditions =
    [
        "pk = :s",
        "#pk = :s AND sk BETWEEN :n AND :w",
        "pk = :s AND begins_with(#sk, :v)",
        "#pk = :s AND #sk <= :n",
        "sk > :f AND pk = :v",
    ];

    private static readonly string[] Updates =
    [
        "SET #a = :n, b = :s",
        "SET a = a + :n, #l = list_append(#l, :l) REMOVE #b",
        "SET #m.b[0] = if_not_exists(#m.b[0], :n), l[5] = :s",
        "ADD #ns :ns, ss :ss DELETE bs :bs",
        "REMOVE m.a, l[0], #dot SET newattr = :m",
        "SET a = :w - a, #t = :t, z = :z ADD counter :n",
        "SET #u = list_append(:l, #l) REMOVE ss",
    ];

    private static readonly string[] Projections =
    [
        "pk, sk, #a",
        "#m.b[1].c, l[0], l[2][0]",
        "#dot, #u, ss, ns, bs",
        "m, #m.a, b, c, t, z",
    ];

    private static IEnumerable<(string, byte[])> EncodedItems()
    {
        yield return ("every-type.item", ExpressionTarget.Item);
        yield return ("empty.item", ItemCodec.Encode([]));
        yield return ("key-only.item", ItemCodec.Encode([new("pk", AttributeValue.String("k"))]));
        yield return ("sets.item", ItemCodec.Encode(
        [
            new("ss", AttributeValue.StringSet(["b", "a", "é"])),
            new("ns", AttributeValue.NumberSet(["-1", "10", "9.5"])),
            new("bs", AttributeValue.BinarySet([[0], [1, 2], [255]])),
        ]));
        yield return ("nested.item", ItemCodec.Encode(
        [
            new("deep", AttributeValue.Map([new("l", AttributeValue.List(AttributeValue.Map([new("x", AttributeValue.List(AttributeValue.Number("1")))]), AttributeValue.List()))])),
            new("empty-map", AttributeValue.Map([])),
        ]));
        yield return ("scalars.item", ItemCodec.Encode(
        [
            new("s", AttributeValue.String("text")), new("e", AttributeValue.String("")), new("n", AttributeValue.Number("-12.5")),
            new("b", AttributeValue.Binary([1, 2, 3])), new("t", AttributeValue.Bool(true)), new("f", AttributeValue.Bool(false)),
            new("z", AttributeValue.Null),
        ]));
        yield return ("storage-value.item", StorageFiles.ValueFor("user0001"u8));
    }

    private const string Item = """{"pk":{"S":"a"},"n":{"N":"-12.50"},"b":{"B":"AAEC/w=="},"t":{"BOOL":true},"z":{"NULL":true},"m":{"M":{"x":{"L":[{"N":"1E2"},{"M":{}},{"SS":["b","a"]}]}}},"ns":{"NS":["1","2"]},"bs":{"BS":["AQ=="]}}""";

    // Requests on json-operation's table with a global and a local index (TabI: pk S, sk S; gix1 on g; lix1 on n).
    private static IEnumerable<(string Name, string Operation, string Body)> IndexedRequests() =>
    [
        ("put-indexed", "PutItem", """{"TableName":"TabI","Item":{"pk":{"S":"a"},"sk":{"S":"c"},"g":{"S":"x"},"n":{"N":"7"},"m":{"M":{"k":{"BS":["AQ=="]}}}},"ReturnItemCollectionMetrics":"SIZE"}"""),
        ("query-global-index", "Query", """{"TableName":"TabI","IndexName":"gix1","KeyConditionExpression":"g = :g","ExpressionAttributeValues":{":g":{"S":"x"}},"ReturnConsumedCapacity":"INDEXES"}"""),
        ("query-local-index", "Query", """{"TableName":"TabI","IndexName":"lix1","KeyConditionExpression":"pk = :p AND n > :n","ExpressionAttributeValues":{":p":{"S":"a"},":n":{"N":"1"}},"ScanIndexForward":false}"""),
        ("update-indexed", "UpdateItem", """{"TableName":"TabI","Key":{"pk":{"S":"a"},"sk":{"S":"b"}},"UpdateExpression":"SET g = :g ADD n :one","ExpressionAttributeValues":{":g":{"S":"y"},":one":{"N":"1"}},"ReturnValues":"ALL_NEW"}"""),
        ("scan-index", "Scan", """{"TableName":"TabI","IndexName":"gix1","Select":"COUNT"}"""),
    ];

    public static IEnumerable<(string Name, string Operation, string Body)> JsonRequests() =>
    [
        ("create-table", "CreateTable", """{"TableName":"Tab2","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"},{"AttributeName":"g","AttributeType":"B"}],"BillingMode":"PROVISIONED","ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":5},"Tags":[{"Key":"k","Value":"v"}],"LocalSecondaryIndexes":[{"IndexName":"lix1","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"g","KeyType":"RANGE"}],"Projection":{"ProjectionType":"KEYS_ONLY"}}],"GlobalSecondaryIndexes":[{"IndexName":"gix1","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"INCLUDE","NonKeyAttributes":["a"]},"ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}]}"""),
        ("describe-table", "DescribeTable", """{"TableName":"Tab"}"""),
        ("list-tables", "ListTables", """{"ExclusiveStartTableName":"Aaa","Limit":10}"""),
        ("update-table", "UpdateTable", """{"TableName":"Tab","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"g","AttributeType":"S"}],"GlobalSecondaryIndexUpdates":[{"Create":{"IndexName":"gix2","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}}]}"""),
        ("update-table-indexes", "UpdateTable", """{"TableName":"TabI","GlobalSecondaryIndexUpdates":[{"Delete":{"IndexName":"gix1"}}]}"""),
        ("delete-table", "DeleteTable", """{"TableName":"Tab2"}"""),
        ("put-item", "PutItem", $$$"""{"TableName":"Tab","Item":{{{Item}}},"ConditionExpression":"attribute_not_exists(#p) OR n < :v","ExpressionAttributeNames":{"#p":"pk"},"ExpressionAttributeValues":{":v":{"N":"3"}},"ReturnValues":"ALL_OLD","ReturnConsumedCapacity":"TOTAL","ReturnItemCollectionMetrics":"SIZE"}"""),
        ("put-item-legacy", "PutItem", """{"TableName":"Tab","Item":{"pk":{"S":"b"}},"Expected":{"pk":{"Exists":false},"n":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"1"},{"N":"2"}]}},"ConditionalOperator":"OR"}"""),
        ("get-item", "GetItem", """{"TableName":"Tab","Key":{"pk":{"S":"a"}},"ProjectionExpression":"#n, m.x[0]","ExpressionAttributeNames":{"#n":"n"},"ConsistentRead":true}"""),
        ("get-item-legacy", "GetItem", """{"TableName":"TabS","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"AttributesToGet":["l","pk"]}"""),
        ("delete-item", "DeleteItem", """{"TableName":"TabS","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"ConditionExpression":"size(l) = :one","ExpressionAttributeValues":{":one":{"N":"1"}},"ReturnValues":"ALL_OLD"}"""),
        ("update-item", "UpdateItem", """{"TableName":"Tab","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET #c = if_not_exists(#c, :z) + :one, l = list_append(:l, :l) REMOVE m.x[1] ADD s :ss DELETE t :ss","ConditionExpression":"attribute_exists(pk)","ExpressionAttributeNames":{"#c":"count"},"ExpressionAttributeValues":{":z":{"N":"0"},":one":{"N":"1"},":l":{"L":[{"S":"x"}]},":ss":{"SS":["q"]}},"ReturnValues":"UPDATED_NEW"}"""),
        ("update-item-legacy", "UpdateItem", """{"TableName":"Tab","Key":{"pk":{"S":"a"}},"AttributeUpdates":{"n":{"Action":"ADD","Value":{"N":"2"}},"z":{"Action":"DELETE"}}}"""),
        ("query", "Query", """{"TableName":"TabS","KeyConditionExpression":"pk = :p AND sk BETWEEN :a AND :b","FilterExpression":"contains(l, :x)","ProjectionExpression":"pk, sk","ExpressionAttributeValues":{":p":{"S":"a"},":a":{"N":"0"},":b":{"N":"9"},":x":{"NULL":true}},"ScanIndexForward":false,"Limit":5,"ExclusiveStartKey":{"pk":{"S":"a"},"sk":{"N":"0"}},"Select":"SPECIFIC_ATTRIBUTES","ReturnConsumedCapacity":"INDEXES"}"""),
        ("query-legacy", "Query", """{"TableName":"TabS","KeyConditions":{"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"a"}]}},"QueryFilter":{"l":{"ComparisonOperator":"NOT_NULL"}},"Select":"COUNT"}"""),
        ("scan", "Scan", """{"TableName":"Tab","FilterExpression":"n > :n OR attribute_type(b, :t)","ExpressionAttributeValues":{":n":{"N":"1"},":t":{"S":"B"}},"Segment":1,"TotalSegments":4,"Limit":100,"ConsistentRead":false}"""),
        ("batch-get-item", "BatchGetItem", """{"RequestItems":{"Tab":{"Keys":[{"pk":{"S":"a"}},{"pk":{"S":"b"}}],"ProjectionExpression":"pk, #v","ExpressionAttributeNames":{"#v":"v"}},"TabS":{"Keys":[{"pk":{"S":"a"},"sk":{"N":"1"}}],"ConsistentRead":true}},"ReturnConsumedCapacity":"TOTAL"}"""),
        ("batch-write-item", "BatchWriteItem", """{"RequestItems":{"Tab":[{"PutRequest":{"Item":""" + Item + """}},{"DeleteRequest":{"Key":{"pk":{"S":"c"}}}}]},"ReturnItemCollectionMetrics":"SIZE"}"""),
        ("transact-write-items", "TransactWriteItems", """{"TransactItems":[{"Put":{"TableName":"Tab","Item":{"pk":{"S":"t1"}},"ConditionExpression":"attribute_not_exists(pk)"}},{"Update":{"TableName":"Tab","Key":{"pk":{"S":"t2"}},"UpdateExpression":"SET v = :v","ExpressionAttributeValues":{":v":{"N":"1"}}}},{"Delete":{"TableName":"Tab","Key":{"pk":{"S":"t3"}}}},{"ConditionCheck":{"TableName":"TabS","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"ConditionExpression":"attribute_exists(#l)","ExpressionAttributeNames":{"#l":"l"},"ReturnValuesOnConditionCheckFailure":"ALL_OLD"}}],"ClientRequestToken":"token-1","ReturnConsumedCapacity":"TOTAL"}"""),
        ("transact-get-items", "TransactGetItems", """{"TransactItems":[{"Get":{"TableName":"Tab","Key":{"pk":{"S":"a"}},"ProjectionExpression":"v"}},{"Get":{"TableName":"TabS","Key":{"pk":{"S":"a"},"sk":{"N":"1"}}}}]}"""),
        ("tag-resource", "TagResource", """{"ResourceArn":"arn:aws:dynamodb:us-east-1:000000000000:table/Tab","Tags":[{"Key":"a","Value":"b"}]}"""),
        ("untag-resource", "UntagResource", """{"ResourceArn":"arn:aws:dynamodb:us-east-1:000000000000:table/Tab","TagKeys":["a"]}"""),
        ("list-tags", "ListTagsOfResource", """{"ResourceArn":"arn:aws:dynamodb:us-east-1:000000000000:table/Tab","NextToken":"x"}"""),
        ("describe-limits", "DescribeLimits", "{}"),
        ("describe-endpoints", "DescribeEndpoints", "{}"),
        ("put-item-fast", "PutItem.fast", $$$"""{"TableName":"Tab","Item":{{{Item}}},"ReturnValues":"NONE"}"""),
        ("put-item-fast-sort", "PutItem.fast", """{"TableName":"TabS","Item":{"pk":{"S":"a"},"sk":{"N":"2.50"},"s":{"S":"a\"b\\c\u00e9\n"}}}"""),
        ("put-item-fast-binary", "PutItem.fast", """{"TableName":"TabB","Item":{"pk":{"B":"AAEC"},"ss":{"SS":["z","a"]}}}"""),
        ("get-item-fast", "GetItem.fast", """{"TableName":"Tab","Key":{"pk":{"S":"a"}},"ConsistentRead":true}"""),
        ("get-item-fast-sort", "GetItem.fast", """{"TableName":"TabS","Key":{"sk":{"N":"1.0"},"pk":{"S":"a"}}}"""),
        ("get-item-fast-binary", "GetItem.fast", """{"TableName":"TabB","Key":{"pk":{"B":"AAEC"}}}"""),
    ];
}
