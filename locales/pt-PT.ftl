# Português europeu (Portugal, Angola, Moçambique, Cabo Verde, Guiné-Bissau…): só as mensagens que
# diferem do catálogo brasileiro (pt.ftl); todas as outras vêm de pt.ftl.

home-intro = O convene ajuda uma comunidade de prática a decidir se, onde e como se reunir, e mostra o valor que suas conversas criam, nas palavras dos próprios membros. Um primeiro encontro é assim: planear quem vem e onde, reunir-se, pedir a cada participante uma história curta sobre o que ganhou, perguntar de novo alguns meses depois o que resultou disso e ler o relatório.
framework-saved = O referencial foi guardado.
field-password = Palavra-passe
save = Guardar
planned = planeado
anonymous = Participante anónimo
aspirations-none = Ainda não há nenhuma aspiração registada.
story-submit = Guardar minha história
story-thanks = Obrigado — sua história foi guardada.
err-signin = Esse e-mail e essa palavra-passe não correspondem a nenhuma conta.
err-password-short = A palavra-passe precisa ter pelo menos 8 caracteres.
err-status = Escolha ideia, planeado, ocorrido ou encerrado.
err-csrf = A página de onde você enviou o formulário está desatualizada ou veio de outro site. Volte, recarregue a página e envie-o novamente; nada foi guardado.
err-internal = Algo deu errado do nosso lado. Nada do que você enviou ficou guardado pela metade; tente novamente.
err-too-many-fields = O formulário tem mais campos do que este referencial pode ter ({ $max } no máximo). Nada foi guardado.
err-bad-request = Não foi possível ler o endereço ou o formulário enviado. Verifique o link, ou volte e tente de novo; nada foi guardado.
me-home-hint = O nome de uma cidade; adicione o código do país se várias cidades tiverem o mesmo nome (por ex. Kingston, JM). Os facilitadores o usam para planear onde se reunir.
me-saved = Seu local de residência foi guardado.
plan-link = Planear onde se reunir
plan-intro = O planeador procura a cidade-sede que torna o encontro mais barato, mais justo ou com menos CO2, testa vários encontros regionais em vez de um só e compara tudo isso com um encontro virtual.
plan-saved = Planos guardados
plan-csv = Transferir o orçamento por pessoa (CSV)
model-intro = As constantes que o planeador usa para estimar tarifas, tempo de viagem e CO2 (JSON). Tarifas reais conhecidas podem ser adicionadas em known_fares.
model-saved = O modelo de viagem foi guardado.
plan-err-solver = O planeador não conseguiu responder: { $message }
field-current-password = Palavra-passe atual
field-new-password = Nova palavra-passe
join-set-password = Bem-vindo(a), { $name }. Escolha uma palavra-passe para a sua conta.
me-password = Palavra-passe
member-no-password = ainda sem palavra-passe
err-conflict-stale = Outra pessoa guardou uma alteração depois que você abriu esta página. Seu texto está abaixo; confira e guarde de novo.
err-conflict-status-back = Você está voltando a um status anterior. Marque a caixa para confirmar e guarde de novo.
err-conflict-has-password = Esta conta já tem palavra-passe; entre com ela.
err-current-password = A palavra-passe atual não está certa.
wave-invited = { $n ->
    [0] Nenhum convite a aguardar envio.
    [one] Um convite a aguardar envio.
   *[other] { $n } convites a aguardar envio.
}
mail-kind-password_reset = nova palavra-passe
mail-state-queued = a aguardar
mail-reset-subject = Escolher uma nova palavra-passe do convene
mail-reset-body = Alguém (esperamos que você) pediu uma nova palavra-passe para a sua conta convene. O link abaixo funciona uma vez, por uma hora. Se não foi você, não faça nada: a sua palavra-passe continua a mesma.
mail-reset-footer = O convene nunca pede a sua palavra-passe por e-mail.
reset-link = Esqueceu a palavra-passe?
reset-title = Escolher uma nova palavra-passe
reset-sent = Se esse endereço tem conta, um link para escolher uma nova palavra-passe está a caminho. Funciona uma vez, por uma hora.
reset-mail-off = Este servidor não envia e-mails. Peça a um facilitador ou a quem administra o convene para definir uma nova palavra-passe para você.
plan-job-running = O planeador está a trabalhar há { $seconds } s. Esta página se atualiza sozinha; um plano grande pode levar um ou dois minutos.
wave-links-csv = Transferir todos os links (CSV, para mala direta ou WhatsApp)
shared-explain = Mostre este QR code no encontro: cada pessoa o abre no telemóvel, digita o nome e conta a sua história, sem conta; depois recebe o próprio link para voltar. Funciona enquanto a onda estiver aberta; revogue-o se vazar.
rp-cost-none = Nenhum custo foi registado e não há estimativa: registe o que foi gasto para comparar o valor com o custo.
rp-cost-recorded = Custos registados por um facilitador.
rp-cost-plan = Estimativa: o custo de viagem e o CO2 do plano guardado cujo anfitrião passou a ser o local do encontro (nenhum custo registado).
rp-cost-connectivity = Estimativa: o custo de conexão e o CO2 por participante do modelo de viagem, para um encontro virtual (nenhum custo registado).
rp-co2-estimated = O CO2 é uma estimativa do planeador.
rp-connections-intro = Os pares de participantes, e quantos estiveram juntos em um encontro pela primeira vez segundo os registos do convene; e as histórias que marcam um indicador sobre criar ligações com pessoas.
rp-downloads = Transferir
ev-clear-costs = Apagar os custos registados
ev-record-costs = Registar quanto custou
ev-costs-explain = Valores em uma única moeda, sem separador de milhares (1250,50). Deixe o CO2 vazio se não for conhecido: usa-se a estimativa do planeador quando existe.
fieldwork-form-explain = Um XLSForm para carregar no KoboToolbox ou no ODK Central, para que uma equipa de campo colete histórias sem conexão. Ele faz as perguntas de cada ciclo, em inglês, francês, espanhol e português. Dê a cada participante o seu código (abaixo) para que as histórias fiquem em seu nome.
fieldwork-upload-explain = Exporte as submissões em CSV (KoboToolbox: “XML values and headers”; ODK Central: o download em CSV) e escolha o ficheiro. Você verá o que ele contém antes que algo seja guardado. Importar de novo as mesmas submissões não acrescenta nada duas vezes; uma submissão editada vira uma nova versão da sua história.
fieldwork-file = Ficheiro CSV
fieldwork-other-version = O ficheiro foi feito com um formulário anterior: importar o que corresponde a esta versão do referencial
fieldwork-check = Verificar o ficheiro
fieldwork-preview = O que este ficheiro importaria
fieldwork-preview-explain = Nada foi guardado ainda. Confira os números e as primeiras histórias e depois confirme.
fieldwork-imported-explain = As histórias estão guardadas e contadas na matriz.
fieldwork-revised = Submissões editadas, guardadas como novas versões: { $n }
err-fieldwork-empty = O ficheiro está vazio.
err-fieldwork-binary = Este não é um ficheiro CSV. Exporte as submissões em CSV.
err-fieldwork-no-rows = O ficheiro tem um cabeçalho, mas nenhuma submissão.
err-fieldwork-delimiter = As colunas estão separadas por { $found ->
    [tab] tabulações
   *[other] “{ $found }”
}, não como o KoboToolbox (;) ou o ODK Central (,) as separam. Exporte o CSV de novo sem guardá-lo noutro programa.
err-fieldwork-labels = O ficheiro foi exportado com rótulos (uma coluna chama-se “{ $header }”). No KoboToolbox, escolha “XML values and headers” como formato de valores e cabeçalhos e exporte de novo.
err-fieldwork-missing-column = O ficheiro não tem a coluna { $column }, pelo que não é uma exportação do formulário deste encontro. Descarregue o formulário nesta página, recolha com ele e exporte de novo.
err-fieldwork-too-large = O ficheiro é maior do que este servidor aceita.
err-fieldwork-other-version = O ficheiro foi feito com { $file_version ->
    [unknown] outra versão
   *[other] a versão { $file_version }
} do formulário; o deste encontro é a versão { $version } (versão { $framework } do referencial). Marque a caixa para importar o que corresponde a esta versão do referencial.
err-fieldwork-other-convening = O ficheiro pertence ao formulário de outro encontro.
err-fieldwork-unknown-form = As colunas deste ficheiro não pertencem a nenhum formulário deste encontro.
err-fieldwork-upload-gone = Esse ficheiro não está mais aqui (foi importado, ou tem mais de um dia). Escolha-o de novo.
plan-gap-words = O que significa “diferença garantida”: o planeador provou que nenhuma escolha de sedes pode custar menos de { $bound }; logo, este plano fica no máximo { $gap } acima do melhor possível.
glossary-steward = Um membro que cuida da comunidade aqui: planeia os encontros, convida as pessoas, faz as perguntas de acompanhamento e publica os relatórios.
glossary-gap = Quanto, no máximo, a resposta do planeador pode ficar longe da melhor possível. 0 % quer dizer que o planeador provou que nenhuma outra escolha de sedes é melhor.
glossary-objective = O que o planeador tenta tornar o menor possível: o custo total, a viagem mais longa ou mais cara (a resposta mais justa), o CO2 ou a distância percorrida.
